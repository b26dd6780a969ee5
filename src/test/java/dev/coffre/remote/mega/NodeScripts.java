package dev.coffre.remote.mega;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the node scripts of src/test/resources/mega with NODE_PATH set to the installed npm packages. */
final class NodeScripts {
    record Result(int exitCode, String stdout, String stderr) {
    }

    private NodeScripts() {
    }

    static Path script(String name) throws IOException {
        java.net.URL url = NodeScripts.class.getResource("/mega/" + name);
        if (url == null) {
            throw new IOException("test resource mega/" + name + " missing");
        }
        try {
            return Path.of(url.toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
    }

    static ProcessBuilder builder(String script, List<String> args) throws IOException, InterruptedException {
        Path modules = NpmTools.modules();
        List<String> command = new ArrayList<>(List.of(NpmTools.node().toString(), script(script).toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("NODE_PATH", modules.toString());
        return builder;
    }

    /** Runs a script to completion (bounded in time) and returns its exit code and output. */
    static Result run(String script, List<String> args, long timeoutSeconds) throws IOException, InterruptedException {
        Process process = builder(script, args).start();
        process.getOutputStream().close();
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("node " + script + " did not finish in " + timeoutSeconds + " s");
        }
        return new Result(process.exitValue(), out.join(), err.join());
    }

    static CompletableFuture<String> drain(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }

    static void write(Path file, byte[] data) throws IOException {
        Files.write(file, data);
    }
}
