package dev.coffre.remote.mega;

/** What {@code ug} and {@code uq} tell about the account. */
public final class MegaAccount {
    private MegaAccount() {
    }

    /** The user: handle (11 characters), e-mail and name when the server sends them. */
    public record User(String handle, String email, String name) {
    }

    /** Storage and transfer quota in bytes; -1 where the server did not say. */
    public record Quota(long storageUsed, long storageMax, long transferUsed, long transferMax) {
    }
}
