package dev.coffre.cli;

import picocli.CommandLine;

import java.util.Locale;

/** Sizes such as 512M, 2G, 1048576 (binary units). */
final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        String text = value.trim().toUpperCase(Locale.ROOT).replace("IB", "").replace("B", "");
        long multiplier = 1;
        if (!text.isEmpty() && "KMGT".indexOf(text.charAt(text.length() - 1)) >= 0) {
            multiplier = 1L << (10 * ("KMGT".indexOf(text.charAt(text.length() - 1)) + 1));
            text = text.substring(0, text.length() - 1);
        }
        try {
            long size = Math.multiplyExact(Long.parseLong(text), multiplier);
            if (size < 0) {
                throw new NumberFormatException();
            }
            return size;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a size (examples: 512M, 2G)");
        }
    }
}
