package dev.coffre.cli;

import dev.coffre.remote.mega.MegaConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** The MEGA options and the one argument ({@code mega:}) of the commands that act on a whole account. */
final class MegaAccountArguments {
    @Mixin
    MegaOptions mega = new MegaOptions();

    @Parameters(paramLabel = "mega:", description = "The MEGA account (mega:).")
    String remote;

    /** The account's settings, after checking that the argument names a MEGA account ({@code command} says who asks). */
    MegaConfig config(String command) throws CliException {
        MegaAccess.folderOf(remote, command);
        return mega.config();
    }
}
