package dev.coffre.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A remote saved under a short name in the settings file: where its vault is ({@code url}), where it is
 * usually mounted, and flags of {@code coffre mount} to use with it ({@code settings}: long option name
 * without dashes, or {@code options} for {@code -o}, to its values; one value but for {@code options}).
 */
public record NamedRemote(String name, String url, String mountPoint, Map<String, List<String>> settings) {

    /**
     * Letters, digits, '-' and '_': never a path ('/'), never a URL (':'), never hidden ('.'), never an
     * option ('-' first), and a bare TOML key, so the file needs no quoting of names.
     */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    public NamedRemote {
        settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    static boolean isValidName(String text) {
        return text != null && NAME.matcher(text).matches();
    }

    static void checkName(String name) throws CliException {
        if (!isValidName(name)) {
            throw new CliException(ExitCodes.USAGE, "invalid remote name '" + name + "': use up to 64 letters, digits,"
                    + " '-' and '_', starting with a letter or digit (no '/' or ':', so that a name is never taken"
                    + " for a path or a URL)");
        }
    }

    /** The single value of a setting, or null. */
    String setting(String key) {
        List<String> values = settings.get(key);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
