package dev.coffre.cli;

import dev.coffre.remote.mega.MegaClient;
import dev.coffre.remote.mega.MegaNode;
import dev.coffre.remote.mega.MegaTree;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "ls", description = {"List a MEGA account's Cloud Drive (or a folder in it): one line per file or folder,",
        "with size, modification time and path. Uses the saved session (coffre login mega:)."},
        footer = ExitCodes.HELP, mixinStandardHelpOptions = true)
final class LsCommand implements Callable<Integer> {
    @Mixin
    MegaOptions mega = new MegaOptions();

    @Parameters(paramLabel = "mega:[/FOLDER]", description = "mega: for the whole Cloud Drive, mega:/A/B for a folder in it.")
    String remote;

    @Option(names = {"-R", "--recursive"}, description = "List the folders' contents too.")
    boolean recursive;

    @Override
    public Integer call() throws CliException {
        String folder = MegaAccess.folderOf(remote, "ls");
        MegaTree tree;
        try (MegaClient client = MegaAccess.open(mega)) {
            tree = client.fetchTree();
        } catch (IOException e) {
            throw MegaAccess.translate(e);
        }
        MegaNode start = folder.equals("/") ? tree.root() : tree.resolve(folder);
        if (start == null || !start.isContainer()) {
            throw new CliException(ExitCodes.USAGE, "no folder " + folder + " in the Cloud Drive");
        }
        list(tree, start, folder.equals("/") ? "" : folder.replaceAll("/+$", ""));
        return ExitCodes.OK;
    }

    private void list(MegaTree tree, MegaNode folder, String prefix) {
        List<MegaNode> children = tree.children(folder.handle()).stream()
                .sorted(Comparator.comparing((MegaNode n) -> String.valueOf(n.name())).thenComparing(MegaNode::handle))
                .toList();
        for (MegaNode child : children) {
            String name = child.name() == null ? "<" + child.handle() + ": " + child.problem() + ">" : child.name();
            String path = prefix + "/" + name;
            long mtime = child.isFile() ? child.mtimeSeconds() : child.createdSeconds();
            String when = mtime > 0 ? Instant.ofEpochSecond(mtime).toString() : "-";
            System.out.printf("%s %12s  %-20s  %s%n", child.isFile() ? "-" : "d", child.isFile() ? Long.toString(child.size()) : "-",
                    when, child.isContainer() ? path + "/" : path);
            if (recursive && child.isContainer()) {
                list(tree, child, path);
            }
        }
    }
}
