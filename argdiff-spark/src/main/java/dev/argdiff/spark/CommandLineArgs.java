package dev.argdiff.spark;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** {@code --name value} pairs of the module's runnable classes, checked against the names each accepts. */
final class CommandLineArgs {
    private final Map<String, String> values = new HashMap<>();

    CommandLineArgs(String[] args, Set<String> names, Set<String> flags) {
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (flags.contains(name)) {
                values.put(name, "true");
            } else if (names.contains(name)) {
                if (i + 1 == args.length) {
                    throw new IllegalArgumentException(name + " needs a value");
                }
                values.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException("unknown option " + name + "; options: " + names + ", flags: " + flags);
            }
        }
    }

    String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    int integer(String name, int fallback, int min) {
        int v;
        try {
            v = Integer.parseInt(string(name, Integer.toString(fallback)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got " + values.get(name));
        }
        if (v < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + ", got " + v);
        }
        return v;
    }

    double number(String name, double fallback) {
        try {
            double v = Double.parseDouble(string(name, Double.toString(fallback)));
            if (!Double.isFinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a finite number, got " + values.get(name));
        }
    }

    /** ROWSxCOLS as {rows, cols}, both ≥ 1. */
    int[] size(String name, String fallback) {
        String s = string(name, fallback);
        String[] parts = s.split("x", -1);
        try {
            int[] out = {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
            if (parts.length == 2 && out[0] >= 1 && out[1] >= 1) {
                return out;
            }
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be ROWSxCOLS with both >= 1, e.g. 100x20, got " + s);
    }
}
