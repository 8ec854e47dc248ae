package dev.jprune.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line arguments of one command: positionals, {@code --name value} / {@code --name=value} options and
 * {@code --flag} switches. Every option a command reads must be declared; anything else is a usage error naming
 * it.
 */
final class Args {

    private final List<String> positionals = new ArrayList<>();
    private final Map<String, List<String>> options = new HashMap<>();
    private final Set<String> flags = new HashSet<>();

    /**
     * Parses {@code argv} knowing which names take a value and which are switches.
     */
    Args(String command, List<String> argv, Set<String> valued, Set<String> switches) {
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (!a.startsWith("--") || a.equals("--")) {
                positionals.add(a);
                continue;
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (switches.contains(name)) {
                if (value != null) {
                    throw CliException.usage("option --" + name + " of '" + command + "' takes no value");
                }
                flags.add(name);
            } else if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= argv.size()) {
                        throw CliException.usage("option --" + name + " of '" + command + "' needs a value");
                    }
                    value = argv.get(++i);
                }
                options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                throw CliException.usage("unknown option --" + name + " for '" + command + "'");
            }
        }
    }

    List<String> positionals() {
        return positionals;
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    /** The last value given for {@code name}, or {@code fallback}. */
    String get(String name, String fallback) {
        List<String> v = options.get(name);
        return v == null ? fallback : v.get(v.size() - 1);
    }

    /** Every value given for a repeatable option. */
    List<String> all(String name) {
        return options.getOrDefault(name, List.of());
    }

    long getLong(String name, long fallback) {
        String v = get(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw CliException.usage("--" + name + " expects an integer, got '" + v + "'");
        }
    }
}
