package io.terrarium.cli;

import java.io.FilterWriter;
import java.io.IOException;
import java.io.Writer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CLI's error stream: control characters that a label, an instance name or a bucket object
 * could smuggle into a message (ESC sequences that retitle or clear the terminal, BEL, NUL) are
 * written as {@code \u001b}-style escapes. Newline, carriage return and tab pass, and so do
 * colour sequences of the form {@code ESC [ digits ; … m} (picocli's own usage help uses them on a
 * terminal). Each {@code write} call is filtered on its own (picocli writes whole strings).
 */
public final class TerminalSafeWriter extends FilterWriter {
    private static final Pattern SGR = Pattern.compile("\u001b\\[[0-9;]{0,32}m");

    /** @param out the underlying writer (the process's stderr) */
    public TerminalSafeWriter(Writer out) {
        super(out);
    }

    /** {@code s} with every control character but newline, carriage return, tab and colour sequences escaped. */
    public static String clean(String s) {
        StringBuilder b = new StringBuilder(s.length());
        Matcher sgr = SGR.matcher(s);
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\u001b' && sgr.find(i) && sgr.start() == i) {
                b.append(s, i, sgr.end());
                i = sgr.end();
                continue;
            }
            if (Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t') {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
            i++;
        }
        return b.toString();
    }

    @Override
    public void write(int c) throws IOException {
        write(String.valueOf((char) c));
    }

    @Override
    public void write(char[] cbuf, int off, int len) throws IOException {
        write(new String(cbuf, off, len));
    }

    @Override
    public void write(String str, int off, int len) throws IOException {
        out.write(clean(str.substring(off, off + len)));
    }
}
