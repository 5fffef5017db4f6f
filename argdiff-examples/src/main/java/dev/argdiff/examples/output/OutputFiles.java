package dev.argdiff.examples.output;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The check of a command's output files, made before the run starts so that a bad path costs
 * nothing and never destroys anything: {@code --plot FILE.png} and the files written next to it
 * ({@code FILE-path.png}, {@code FILE-atoms.png}, {@code FILE-images.png}).
 *
 * <ul>
 *   <li>the name ends in {@code .png} (the plots are PNG images);</li>
 *   <li>no output file is an input file ({@code --data}): {@code --data d.csv --plot d.csv} used
 *       to replace the data with a picture;</li>
 *   <li>an existing file is replaced only where the user's own path says so: the {@code --plot}
 *       file itself; an existing sibling file, which the user did not name, needs {@code --force};</li>
 *   <li>no output path is a directory or another non-regular file, and its folder exists (or can
 *       be created) and accepts new files.</li>
 * </ul>
 */
public final class OutputFiles {
    private OutputFiles() {
    }

    /**
     * Checks the files of {@code --plot plot}: {@code plot} itself, then {@code plot} with each
     * suffix added before {@code .png} ({@link Plots#sibling}).
     *
     * @param plot     the user's {@code --plot} path (null: no plot, nothing to check)
     * @param force    whether existing sibling files may be replaced ({@code --force})
     * @param data     the {@code --data} input file, or null
     * @param suffixes the suffixes of the sibling files the command also writes
     * @return the files to write, {@code plot} first (empty when {@code plot} is null)
     * @throws IllegalArgumentException naming the option, the path and what is wrong with it
     */
    public static List<Path> checkPlot(Path plot, boolean force, Path data, String... suffixes) {
        List<Path> files = new ArrayList<>();
        if (plot == null) {
            return files;
        }
        Path name = plot.getFileName();
        if (name == null || name.toString().isEmpty()) {
            throw new IllegalArgumentException("--plot needs a file name ending in .png, got '" + plot + "'");
        }
        files.add(plot);
        for (String suffix : suffixes) {
            files.add(Plots.sibling(plot, suffix));
        }
        for (Path file : files) {
            if (data != null && sameFile(file, data)) {
                throw new IllegalArgumentException(subject(plot, file)
                        + " is the --data file; the plot would overwrite the data");
            }
        }
        if (!name.toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new IllegalArgumentException("--plot must name a .png file (the plots are PNG images), got '"
                    + plot + "'");
        }
        for (Path file : files) {
            checkWritable(file, file == plot, force, subject(plot, file));
        }
        return files;
    }

    private static void checkWritable(Path file, boolean named, boolean force, String what) {
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(what + " is a directory; give a file name");
        }
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) || Files.exists(file)) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(what + " is not a regular file");
            }
            if (!named && !force) {
                throw new IllegalArgumentException(what + " exists; choose another --plot name, remove that file, "
                        + "or add --force to replace it");
            }
            if (!Files.isWritable(file)) {
                throw new IllegalArgumentException(what + " is not writable (permission denied)");
            }
            return;
        }
        // The nearest existing folder must be a folder that accepts new files (Plots creates the rest).
        Path folder = file.toAbsolutePath().getParent();
        while (folder != null && !Files.exists(folder)) {
            folder = folder.getParent();
        }
        if (folder == null) {
            return;
        }
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException(what + " cannot be created: " + folder
                    + " is a file, not a directory");
        }
        try {
            // Permissions do not tell everything (/proc, read-only mounts, root): try.
            Files.delete(Files.createTempFile(folder, ".argdiff-", ".tmp"));
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " cannot be created: the directory " + folder + " does not accept new files (" + reason(e) + ")");
        }
    }

    /** "--plot FILE", or for a sibling "--plot FILE also writes SIBLING, which", to start a message. */
    private static String subject(Path plot, Path file) {
        return file == plot ? "--plot " + plot : "--plot " + plot + " also writes " + file + ", which";
    }

    private static boolean sameFile(Path a, Path b) {
        if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
            return true;
        }
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * What went wrong with a file, in words: the operating system's reason when it gave one
     * ({@code FileSystemException} often carries only the path), else the kind of failure.
     */
    public static String reason(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof FileSystemException) {
            return e.getClass().getSimpleName();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** {@code "FILE: reason"} for a file-system error, for one-line error messages. */
    public static String describe(IOException e) {
        if (e instanceof FileSystemException f && f.getFile() != null) {
            return f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile()) + ": " + reason(e);
        }
        return reason(e);
    }
}
