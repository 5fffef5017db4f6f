package dev.argdiff.implicit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures what the implicit layer logs (through {@link System.Logger}, which the JDK routes to
 * java.util.logging logger "dev.argdiff.implicit") and keeps it off the console while attached.
 */
final class LogCapture {
    /** Held strongly so that the handler stays attached to this logger instance. */
    private static final Logger IMPLICIT_LOG = Logger.getLogger("dev.argdiff.implicit");

    private final List<LogRecord> records = Collections.synchronizedList(new ArrayList<>());
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private boolean useParentHandlers;

    void start() {
        useParentHandlers = IMPLICIT_LOG.getUseParentHandlers();
        IMPLICIT_LOG.addHandler(handler);
        IMPLICIT_LOG.setUseParentHandlers(false);
    }

    void stop() {
        IMPLICIT_LOG.removeHandler(handler);
        IMPLICIT_LOG.setUseParentHandlers(useParentHandlers);
    }

    /** The messages logged at WARNING or above since {@link #start()}. */
    List<String> warnings() {
        List<String> out = new ArrayList<>();
        synchronized (records) {
            for (LogRecord r : records) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    out.add(r.getMessage());
                }
            }
        }
        return out;
    }
}
