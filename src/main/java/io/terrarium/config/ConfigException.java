package io.terrarium.config;

import java.util.List;

/**
 * A configuration document is invalid. {@link #problems()} lists every problem found, each naming
 * the key (dotted path) or the line, and what is allowed. Never contains a secret value. Characters
 * that do not print (controls, format characters such as U+200B or U+202E, the line and paragraph
 * separators U+2028 and U+2029, private-use, unassigned and lone surrogate code points) are written as
 * {@code &#92;uXXXX}, so an echoed key or value can neither break a message into lines nor hide or
 * reorder its text on a terminal (tester, issue 15: U+2028 was echoed raw).
 */
public class ConfigException extends RuntimeException {
    private final List<String> problems;

    /** @param problems one human-readable line per problem (at least one) */
    public ConfigException(List<String> problems) {
        this(problems.stream().map(ConfigException::printable).toList(), true);
    }

    private ConfigException(List<String> escaped, boolean marker) {
        super(String.join("; ", escaped));
        this.problems = List.copyOf(escaped);
    }

    /**
     * {@code s} with every character that does not print as {@code &#92;n}, {@code &#92;r}, {@code &#92;t}
     * or {@code &#92;uXXXX} (a code point above
     * U+FFFF as its two UTF-16 units, each escaped); printable text, including non-Latin letters, is kept.
     */
    public static String printable(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            if (!prints(cp)) {
                if (sb == null) {
                    sb = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                switch (cp) {
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    default -> {
                        for (int k = i; k < i + n; k++) {
                            sb.append(String.format("\\u%04X", (int) s.charAt(k)));
                        }
                    }
                }
            } else if (sb != null) {
                sb.appendCodePoint(cp);
            }
            i += n;
        }
        return sb == null ? s : sb.toString();
    }

    private static boolean prints(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.PRIVATE_USE, Character.UNASSIGNED, Character.SURROGATE -> false;
            default -> true;
        };
    }

    /** @param problem the single problem */
    public ConfigException(String problem) {
        this(List.of(problem));
    }

    /** Every problem, one line each. */
    public List<String> problems() {
        return problems;
    }
}
