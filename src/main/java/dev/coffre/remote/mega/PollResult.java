package dev.coffre.remote.mega;

import java.util.List;

/**
 * One round of the action-packet channel: events to apply, the sequence number to poll from next, and
 * whether the server had nothing new (it then answered with a wait URL, which was waited on).
 */
public record PollResult(List<MegaEvent> events, String nextSequence, boolean idle) {
}
