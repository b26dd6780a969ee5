package dev.coffre.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "help", helpCommand = true, description = {"Show the help of a command, or a page on a topic:",
        "remotes, fstab, systemd, s3, passwords, logging, monitoring, exit-codes."})
final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Callable<Integer> {
    static final List<String> TOPICS = List.of("remotes", "fstab", "systemd", "s3", "passwords", "logging", "monitoring",
            "exit-codes");

    @Parameters(arity = "0..1", paramLabel = "COMMAND|TOPIC")
    String subject;

    private CommandLine self;
    private CommandLine.Help.ColorScheme colors;
    private PrintWriter out;

    @Override
    public void init(CommandLine helpCommandLine, CommandLine.Help.ColorScheme colorScheme, PrintWriter outWriter,
                     PrintWriter errWriter) {
        this.self = helpCommandLine;
        this.colors = colorScheme;
        this.out = outWriter;
    }

    @Override
    public Integer call() throws CliException, IOException {
        CommandLine parent = self.getParent();
        if (subject == null) {
            parent.usage(out, colors);
            out.println();
            out.println("Topics (coffre help TOPIC): " + String.join(", ", TOPICS));
        } else if (TOPICS.contains(subject)) {
            out.print(page(subject));
        } else if (parent.getSubcommands().containsKey(subject)) {
            parent.getSubcommands().get(subject).usage(out, colors);
        } else {
            throw new CliException(ExitCodes.USAGE, "no command or topic '" + subject + "'; the topics are "
                    + String.join(", ", TOPICS) + ", and 'coffre --help' lists the commands");
        }
        out.flush();
        return ExitCodes.OK;
    }

    static String page(String topic) throws IOException {
        try (InputStream in = HelpCommand.class.getResourceAsStream("help/" + topic + ".txt")) {
            if (in == null) {
                throw new IOException("the help page " + topic + " is missing from this build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
