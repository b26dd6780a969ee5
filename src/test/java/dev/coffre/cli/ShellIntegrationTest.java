package dev.coffre.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Completion script, help pages and the systemd unit: what coffre gives the shell and the system. */
class ShellIntegrationTest {
    @TempDir
    Path dir;

    private static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), String.join(" ", command) + ":\n" + output);
        return output;
    }

    @Test
    void completionScriptIsValidBashAndKnowsTheCommands() throws Exception {
        String script = CompletionCommand.script(new CommandLine(new Main()));
        Path file = Files.writeString(dir.resolve("coffre-completion.bash"), script);
        run(List.of("bash", "-n", file.toString()));
        for (String word : List.of("mount", "unmount", "status", "remote", "add", "--cache-size", "--password-file",
                "completion", "service")) {
            assertTrue(script.contains(word), word);
        }
        assertFalse(script.contains("daemon-child"), "hidden options stay hidden");
        // Sourced, it registers itself and completes subcommands.
        String completions = run(List.of("bash", "-c", "source " + file + " 2>/dev/null; complete -p coffre;"
                + " COMP_WORDS=(coffre remote ''); COMP_CWORD=2; COMP_LINE='coffre remote '; COMP_POINT=14;"
                + " _complete_coffre 2>/dev/null; echo \"${COMPREPLY[@]}\""));
        assertTrue(completions.contains("complete -o default -F _complete_coffre coffre"), completions);
        assertTrue(completions.contains("add list show remove"), completions);
    }

    @Test
    void everyHelpTopicHasAPage() throws Exception {
        for (String topic : HelpCommand.TOPICS) {
            String page = HelpCommand.page(topic);
            assertTrue(page.length() > 200, topic);
            assertFalse(page.contains("${"), topic + " is shipped as written");
        }
        assertTrue(HelpCommand.page("systemd").contains("coffre@work"), "pages are not filtered by the build");
        assertTrue(HelpCommand.page("exit-codes").contains("7  the storage refused"));
    }

    @Test
    void theDocumentedUnitIsTheGeneratedOne() throws Exception {
        String documented = Files.readString(Path.of("docs/coffre@.service"));
        assertEquals(documented, SystemdUnit.text(List.of("/usr/local/bin/coffre")));
        assertTrue(documented.contains("ExecStart=/usr/local/bin/coffre mount --foreground %i"));
        String generated = SystemdUnit.text(List.of("/usr/lib/jvm/java 17/bin/java", "-jar", "/opt/coffre.jar"));
        assertTrue(generated.contains("ExecStart=\"/usr/lib/jvm/java 17/bin/java\" -jar /opt/coffre.jar mount"), generated);
        if (Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))) {
            Path unit = Files.writeString(dir.resolve("coffre@test.service"), SystemdUnit.text(List.of("/bin/true")));
            String verdict = run(List.of("systemd-analyze", "verify", unit.toString()));
            assertEquals("", verdict.strip(), "systemd-analyze verify");
        }
    }
}
