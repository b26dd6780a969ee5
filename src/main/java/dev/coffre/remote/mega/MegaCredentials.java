package dev.coffre.remote.mega;

/**
 * What logging in needs: e-mail, password and, for accounts with two-factor authentication, the current
 * six-digit code (null otherwise). Kept in memory so an expired session can be renewed. Never printed.
 */
public record MegaCredentials(String email, char[] password, String twoFactorCode) {
    public MegaCredentials {
        if (email == null || email.isBlank() || password == null) {
            throw new IllegalArgumentException("MEGA needs an e-mail and a password");
        }
    }

    @Override
    public String toString() {
        return "MegaCredentials[redacted]";
    }
}
