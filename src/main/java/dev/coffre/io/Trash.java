package dev.coffre.io;

import dev.coffre.remote.BlockRef;
import dev.coffre.remote.MetaOp;
import dev.coffre.remote.Remote;
import dev.coffre.remote.VaultException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Garbage collection of block objects. A commit that leaves blocks unreferenced records them in the trash
 * ({@code trash} op, with the time); once the grace period has passed, any client deletes them and records
 * that ({@code purge}). The grace period protects clients that have not yet seen the change and may still
 * read the old blocks.
 */
public final class Trash {
    private static final Logger LOG = Logger.getLogger(Trash.class.getName());

    @FunctionalInterface
    interface CatchUp {
        void run() throws IOException;
    }

    private Trash() {
    }

    /** Deletes trashed objects older than the grace period; returns how many went. */
    static int purge(Remote remote, CommittedState committed, long graceMillis, CatchUp catchUp) throws IOException {
        List<BlockRef> due = committed.trashedBefore((System.currentTimeMillis() - graceMillis) * 1_000_000L);
        List<BlockRef> deleted = new ArrayList<>();
        for (BlockRef block : due) {
            try {
                remote.delete(block);
                deleted.add(block);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "could not delete block object " + block.id() + " (will try again)", e);
            }
        }
        if (deleted.isEmpty()) {
            return 0;
        }
        List<MetaOp> purge = List.of(MetaOp.purge(deleted));
        for (int attempt = 1; ; attempt++) {
            try {
                remote.commit(purge);
                break;
            } catch (VaultException e) {
                if (e.reason() != VaultException.Reason.CONFLICT || attempt >= 100) {
                    throw e;
                }
                catchUp.run();
            }
        }
        purge.forEach(committed::apply);
        return deleted.size();
    }

    /** {@code coffre gc}: loads the vault's committed state and purges what is due. */
    public static int collect(Remote remote, long graceMillis) throws IOException {
        CommittedState committed = new CommittedState();
        remote.load(committed::apply);
        return purge(remote, committed, graceMillis, () -> remote.fetchNew().forEach(r -> r.forEach(committed::apply)));
    }
}
