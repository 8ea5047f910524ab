package dev.lifeboat.retention;

import dev.lifeboat.run.Request;

/**
 * A prune of {@code target}: every store, or only {@code store}; {@code dryRun} plans and changes
 * nothing.
 */
public record PruneRequest(String target, String store, boolean dryRun)
    implements Request<PruneReport> {

  /** What the {@code prune} schedule asks: every store, for real. */
  public static PruneRequest scheduled(String target) {
    return new PruneRequest(target, null, false);
  }
}
