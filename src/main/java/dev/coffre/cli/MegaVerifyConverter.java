package dev.coffre.cli;

import dev.coffre.remote.mega.MegaVerification;
import picocli.CommandLine;

/** {@code --mega-verify chunks|full}: a usage error (exit 2) for anything else. */
final class MegaVerifyConverter implements CommandLine.ITypeConverter<MegaVerification> {
    @Override
    public MegaVerification convert(String value) {
        try {
            return MegaVerification.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException("chunks or full, not '" + value + "'");
        }
    }
}
