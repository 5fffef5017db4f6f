package dev.argdiff.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Loads a netlib instance without letting its startup warnings reach the console.
 *
 * <p>netlib tries its backends in order (JNI to a system library, then the Vector API, then
 * plain Java) and logs a java.util.logging WARNING, "Failed to load implementation from: ...",
 * for each one that is missing, even when a later one loads: on a machine without OpenBLAS every
 * program that uses argdiff would print them. While the instance loads, the records of netlib's
 * own logger are held back; if a backend loaded they are passed on to argdiff's
 * {@link System.Logger} {@code dev.argdiff.backend} at DEBUG level (which backend is in use is
 * {@link Blas#name()}); if none loaded they are published to netlib's logger as they would have
 * been. Only that one netlib logger is touched, and its configuration is restored afterwards.
 */
final class NetlibLoading {

    private static final System.Logger LOG = System.getLogger("dev.argdiff.backend");

    private NetlibLoading() {
    }

    /**
     * Runs {@code load} with the records of the java.util.logging logger {@code netlibLogger}
     * held back as described in the class comment.
     */
    static <T> T quietly(String netlibLogger, Supplier<T> load) {
        Logger logger = Logger.getLogger(netlibLogger); // a strong reference while we change it
        List<LogRecord> held = new ArrayList<>();
        Handler holder = new Handler() {
            @Override
            public synchronized void publish(LogRecord record) {
                held.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        holder.setLevel(Level.ALL);
        boolean useParentHandlers = logger.getUseParentHandlers();
        logger.addHandler(holder);
        logger.setUseParentHandlers(false);
        T loaded;
        try {
            loaded = load.get();
        } catch (RuntimeException | Error e) {
            restore(logger, holder, useParentHandlers);
            synchronized (holder) {
                held.forEach(logger::log);
            }
            throw e;
        }
        restore(logger, holder, useParentHandlers);
        synchronized (holder) {
            for (LogRecord record : held) {
                LOG.log(System.Logger.Level.DEBUG, () -> netlibLogger + ": " + record.getMessage()
                        + " (a later implementation loaded: " + loaded.getClass().getName() + ")");
            }
        }
        return loaded;
    }

    private static void restore(Logger logger, Handler holder, boolean useParentHandlers) {
        logger.removeHandler(holder);
        logger.setUseParentHandlers(useParentHandlers);
    }
}
