package dev.coffre.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** scripts/mount.coffre turns what mount(8) passes into a 'coffre mount' command (run here with echo for coffre). */
@DisplayName("The mount helper")
class MountHelperTest {
    private static final Path HELPER = Path.of("scripts/mount.coffre");

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run helper(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", HELPER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("COFFRE_COMMAND", "echo");
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return new Run(process.waitFor(), out, err);
    }

    @Test
    void translatesWhatMountPassesForAnFstabLine() throws Exception {
        // What mount(8) passed for "work /home/me/Work fuse.coffre noauto,user,_netdev,password_file=... 0 0"
        Run run = helper("work", "/home/me/Work", "-o", "rw,noexec,nosuid,nodev,password_file=/home/me/.pass,"
                + "cache_size=512M,write-back=2s,user,_netdev,x-systemd.automount,nofail,allow_other,uid=1000,gid=100,"
                + "umask=027,comment=x,config=/etc/coffre.toml,verbose");
        assertEquals(0, run.exit(), run.err());
        assertEquals("mount --password-file /home/me/.pass --cache-size 512M --write-back 2s --config /etc/coffre.toml -v"
                + " -o rw,noexec,nosuid,nodev,allow_other,uid=1000,gid=100,umask=027 work /home/me/Work", run.out());
    }

    @Test
    void theOldFuseStyleAndNoOptions() throws Exception {
        assertEquals("mount s3://b/p /mnt/x", helper("coffre#s3://b/p", "/mnt/x").out());
        assertEquals("mount work /mnt/x", helper("work", "/mnt/x", "-s", "-n", "-onoauto,defaults", "-t", "fuse.coffre").out());
    }

    @Test
    void fakeAndVerbose() throws Exception {
        Run run = helper("work", "/mnt/x", "-fv", "-o", "ro");
        assertEquals(0, run.exit());
        assertEquals("", run.out(), "-f mounts nothing");
        assertEquals("mount.coffre: echo mount -o ro work /mnt/x", run.err());
    }

    @Test
    void badInvocations() throws Exception {
        assertEquals(1, helper("work").exit());
        assertEquals(1, helper("work", "/mnt/x", "-o").exit());
        assertEquals(1, helper("work", "/mnt/x", "extra").exit());
    }

    @Test
    void knowsEveryValuedOptionOfMount() throws Exception {
        Matcher m = Pattern.compile("coffre_options=\"([^\"]*)\"").matcher(Files.readString(HELPER));
        assertTrue(m.find());
        Set<String> inScript = new TreeSet<>(Arrays.asList(m.group(1).trim().split("\\s+")));
        Set<String> valued = new TreeSet<>();
        for (var option : RemoteSettings.storableOptions()) {
            if (!option.isMultiValue() && option.arity().max() > 0) {
                valued.add(RemoteSettings.key(option));
            }
        }
        assertEquals(valued, inScript, "scripts/mount.coffre's coffre_options");
    }

    @Test
    void theLauncherKnowsEveryCommand() throws Exception {
        Matcher m = Pattern.compile("commands=\"([^\"]*)\"").matcher(Files.readString(Path.of("scripts/coffre")));
        assertTrue(m.find());
        Set<String> inScript = new TreeSet<>(Arrays.asList(m.group(1).trim().split("\\s+")));
        Set<String> commands = new TreeSet<>(new CommandLine(new Main()).getSubcommands().keySet());
        assertEquals(commands, inScript, "scripts/coffre's commands");
    }
}
