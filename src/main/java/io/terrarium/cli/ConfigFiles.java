package io.terrarium.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a configuration file given on the command line, with messages an operator can act on. */
final class ConfigFiles {
    private ConfigFiles() {
    }

    /**
     * @return the file's text
     * @throws IOException naming the file when it is missing, a directory, or not UTF-8 text
     */
    static String read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + " is a directory; give the path of a YAML file");
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " does not exist");
        }
        byte[] bytes = Files.readAllBytes(file);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + " is not UTF-8 text; save it as UTF-8 (YAML files are UTF-8)");
        }
    }
}
