package dev.coffre.cli;

import picocli.CommandLine;

/**
 * Where {@code coffre mount --metrics} serves Prometheus metrics: {@code HOST:PORT} ({@code [::1]:PORT} for an
 * IPv6 address). The host is bound as given, so {@code 127.0.0.1} keeps the endpoint to this machine; there is no
 * default, no endpoint unless asked for.
 */
record MetricsAddress(String host, int port) {

    static MetricsAddress parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("expected HOST:PORT, e.g. 127.0.0.1:9100, not '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("write an IPv6 address in brackets, e.g. [::1]:9100");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the port of '" + text + "' is not a number");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the port of '" + text + "' is not between 1 and 65535");
        }
        return new MetricsAddress(host, port);
    }

    /** As given on a command line: passed on to the background process and saved in named remotes like this. */
    String text() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    String url() {
        return "http://" + text() + "/metrics";
    }

    static final class Converter implements CommandLine.ITypeConverter<MetricsAddress> {
        @Override
        public MetricsAddress convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
