package dev.argdiff.docs;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Compiles Java source text taken from the documentation (README.md, Javadoc examples) in
 * process, against the test class path (which holds the library's classes), so a documented
 * example that stops compiling fails the build with the compiler's message.
 */
final class JavaSources {

    private JavaSources() {
    }

    /** Compiles {@code sources} (class name → source) into a fresh directory and loads them. */
    static ClassLoader compile(Map<String, String> sources, Path outputDir) throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        if (compiler == null) {
            throw new IllegalStateException("no Java compiler in this runtime: the documentation tests need a JDK");
        }
        List<JavaFileObject> units = new ArrayList<>();
        for (Map.Entry<String, String> e : sources.entrySet()) {
            units.add(new SimpleJavaFileObject(
                    URI.create("string:///" + e.getKey().replace('.', '/') + ".java"), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return e.getValue();
                }
            });
        }
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            List<String> options = List.of("-d", outputDir.toString(), "-classpath", System.getProperty("java.class.path"),
                    "--release", "17", "-Xlint:all", "-Werror", "-encoding", "UTF-8");
            boolean ok = compiler.getTask(null, files, diagnostics, options, null, units).call();
            if (!ok) {
                StringBuilder message = new StringBuilder("documented Java code does not compile:\n");
                for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                    String name = d.getSource() == null ? "?" : d.getSource().getName();
                    message.append(name).append(':').append(d.getLineNumber()).append(": ")
                            .append(d.getMessage(Locale.ROOT)).append('\n');
                }
                throw new AssertionError(message.toString());
            }
        }
        Files.createDirectories(outputDir);
        return new URLClassLoader(new URL[] {outputDir.toUri().toURL()}, JavaSources.class.getClassLoader());
    }

    /** The repository root: the parent of the module directory Surefire runs in. */
    static Path repositoryRoot() {
        Path module = Path.of("").toAbsolutePath();
        Path root = module.getParent();
        if (root == null || !Files.isRegularFile(root.resolve("README.md"))) {
            throw new IllegalStateException("README.md not found next to " + module + "; run the tests from the module directory");
        }
        return root;
    }
}
