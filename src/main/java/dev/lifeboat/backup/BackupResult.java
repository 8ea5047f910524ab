package dev.lifeboat.backup;

import java.util.List;

/**
 * The outcome of a backup: {@code complete} (every store holds it), {@code partial} (some do) or
 * {@code failed} (none does). What {@code backup --json} prints.
 */
public record BackupResult(
    String id,
    String target,
    String label,
    String status,
    Manifest manifest,
    List<StoreResult> stores,
    String error) {

  public static final String COMPLETE = "complete";
  public static final String PARTIAL = "partial";
  public static final String FAILED = "failed";

  /** Exit code per CONTRACT §3: 0 complete, 3 partial, 1 failed. */
  public int exitCode() {
    return switch (status) {
      case COMPLETE -> 0;
      case PARTIAL -> 3;
      default -> 1;
    };
  }
}
