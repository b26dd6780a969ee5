package dev.coffre.cli;

import dev.coffre.remote.mega.MegaClient;
import dev.coffre.remote.mega.MegaConfig;
import dev.coffre.remote.mega.MegaCredentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "login", description = {"Log in to a MEGA account and save the session, so that later commands need no password.",
        "E-mail and password come from $MEGA_EMAIL and $MEGA_PASSWORD, else from prompts. The session (session id"
                + " and master key, never the password) is saved owner-only in ~/.local/state/coffre/mega/."},
        footer = ExitCodes.HELP, mixinStandardHelpOptions = true)
final class LoginCommand implements Callable<Integer> {
    @Mixin
    MegaAccountArguments account = new MegaAccountArguments();

    @Override
    public Integer call() throws CliException {
        MegaConfig config = account.config("login");
        MegaCredentials credentials = MegaAccess.credentials(null, account.mega.twoFactorCode);
        try (MegaClient client = MegaAccess.login(config, credentials)) {
            Path file = MegaSessions.save(config.apiUrl(), credentials.email(), client.session());
            System.err.println("logged in to MEGA as " + credentials.email() + "; session saved in " + file
                    + " (coffre logout mega: ends it)");
        }
        return ExitCodes.OK;
    }
}
