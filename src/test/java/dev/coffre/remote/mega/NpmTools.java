package dev.coffre.remote.mega;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The npm packages the MEGA tests run against (mega-mock, megajs), installed by
 * {@code scripts/lib/npm-tools.sh} into target/npm-tools at pinned versions. scripts/test installs them
 * before Maven runs; a test run straight from Maven installs them here on first use. The only reason to
 * skip is a machine without node.
 */
final class NpmTools {
    private static Path modules;

    private NpmTools() {
    }

    static Path node() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "node");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** target/npm-tools/node_modules, installing it first if needed; skips the test when node is absent. */
    static synchronized Path modules() throws IOException, InterruptedException {
        if (modules != null) {
            return modules;
        }
        Assumptions.assumeTrue(node() != null,
                "node is not installed: skipping the tests against mega-mock and megajs (install nodejs and npm)");
        Path root = Path.of(System.getProperty("project.root", System.getProperty("user.dir")));
        Path script = root.resolve("scripts/lib/npm-tools.sh");
        Process process = new ProcessBuilder("bash", script.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .start();
        if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException(script + " failed to install mega-mock and megajs with npm");
        }
        Path installed = Path.of(System.getProperty("npm.tools", root.resolve("target/npm-tools").toString()))
                .resolve("node_modules");
        if (!Files.isDirectory(installed.resolve("mega-mock")) || !Files.isDirectory(installed.resolve("megajs"))) {
            throw new IOException("mega-mock or megajs missing under " + installed + " after installing");
        }
        modules = installed;
        return modules;
    }
}
