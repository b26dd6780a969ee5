package dev.coffre.cli;

import dev.coffre.remote.mega.MegaClient;
import dev.coffre.remote.mega.MegaConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "logout", description = {"End the saved MEGA session: MEGA is told (sml) and the session file is removed.",
        "The file is removed even when MEGA cannot be reached."},
        footer = ExitCodes.HELP, mixinStandardHelpOptions = true)
final class LogoutCommand implements Callable<Integer> {
    @Mixin
    MegaAccountArguments account = new MegaAccountArguments();

    @Override
    public Integer call() throws CliException {
        MegaConfig config = account.config("logout");
        Optional<MegaSessions.Saved> saved = MegaSessions.load(config.apiUrl());
        if (saved.isEmpty()) {
            System.err.println("no saved MEGA session for " + config.apiUrl());
            return ExitCodes.OK;
        }
        String ended;
        try (MegaClient client = MegaClient.resume(config, saved.get().session())) {
            client.logout();
            ended = "session ended on MEGA";
        } catch (IOException e) {
            ended = "MEGA was not told (" + e.getMessage() + ")";
        }
        MegaSessions.delete(config.apiUrl());
        System.err.println("logged out of MEGA: " + ended + "; saved session removed");
        return ExitCodes.OK;
    }
}
