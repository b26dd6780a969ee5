package dev.coffre.cli;

import dev.coffre.remote.vault.VaultChecker;
import dev.coffre.remote.vault.VaultRemote;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "check", description = {"Read and authenticate every object of a vault.",
        "Reports each failure (altered, swapped, truncated or missing objects); exit code 6 if any."},
        footer = ExitCodes.HELP, mixinStandardHelpOptions = true)
final class CheckCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    RemoteOptions remoteOptions = new RemoteOptions();

    @Parameters(arity = "0..1", paramLabel = "REMOTE", description = "The vault: NAME, URL or path (default: the default vault).")
    String remote;

    @Option(names = "--password-file", paramLabel = "FILE", description = "Read the password from FILE (else $COFFRE_PASSWORD, else a prompt).")
    Path passwordFile;

    @Override
    public Integer call() throws Exception {
        RemoteSpec spec = remoteOptions.parse(remote);
        byte[] password = Passwords.read(passwordFile, "COFFRE_PASSWORD", "password", false);
        VaultChecker.Report report;
        Progress progress = Progress.onStderr("checking");
        try (VaultRemote vault = Vaults.open(spec, password)) {
            report = VaultChecker.check(vault, progress::update);
            progress.finish();
            if (report.healthy()) {
                SeenHeads.verify(vault);
            }
        } catch (java.io.IOException e) {
            throw Vaults.translate(e);
        }
        for (String failure : report.failures()) {
            System.out.println("FAILED " + failure);
        }
        System.out.printf("checked %d files, %d blocks, %d bytes of content%n", report.files(), report.blocks(), report.bytes());
        if (!report.unreferenced().isEmpty()) {
            System.out.printf("note: %d content objects are referenced by nothing (left by interrupted writes; harmless)%n",
                    report.unreferenced().size());
        }
        if (!report.healthy()) {
            System.out.printf("%d integrity failures in %s%n", report.failures().size(), spec.text());
            return ExitCodes.INTEGRITY;
        }
        System.out.println("no problems found in " + spec.text());
        return ExitCodes.OK;
    }
}
