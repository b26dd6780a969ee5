package dev.coffre.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "completion", description = {"Print the shell completion script of coffre's commands and options.",
        "bash: source <(coffre completion bash), or save it as ~/.local/share/bash-completion/completions/coffre.",
        "zsh: autoload -U +X bashcompinit && bashcompinit && source <(coffre completion zsh)."},
        footer = ExitCodes.HELP, mixinStandardHelpOptions = true)
final class CompletionCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "SHELL", defaultValue = "bash", description = "bash (default) or zsh.")
    String shell;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws CliException {
        if (!shell.equals("bash") && !shell.equals("zsh")) {
            throw new CliException(ExitCodes.USAGE, "no completion for " + shell + ": bash and zsh (through bashcompinit) only");
        }
        System.out.print(script(spec.root().commandLine()));
        return ExitCodes.OK;
    }

    /** picocli writes it from the commands' declarations, so it always matches them; zsh reads it too. */
    static String script(picocli.CommandLine root) {
        return AutoComplete.bash("coffre", root);
    }
}
