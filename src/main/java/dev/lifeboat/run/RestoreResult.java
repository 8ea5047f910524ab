package dev.lifeboat.run;

import dev.lifeboat.archive.ArchiveFetcher;
import dev.lifeboat.archive.RowCounts;
import java.util.List;

/**
 * What {@code restore --json} prints: the backup, where it came from, and the row-count check.
 * {@code status} is {@code restored}, or {@code stopped} for a run a stop ended (a failed restore
 * throws, so its message keeps saying what was not touched).
 */
public record RestoreResult(
    String status,
    String backup,
    String target,
    String database,
    String store,
    List<ArchiveFetcher.Attempt> attempts,
    String safetyBackup,
    double restoreSeconds,
    List<RowCounts.TableCount> tables,
    String error,
    List<String> createdRoles,
    List<CreatedRole> roles,
    String signature)
    implements Result {

  static final String STOPPED = "stopped";

  /** A restore a stop ended before it swapped anything into place. */
  public static RestoreResult stopped(RestoreRequest request, String error) {
    return new RestoreResult(
        STOPPED,
        request.backup(),
        request.target(),
        request.into(),
        null,
        List.of(),
        null,
        0,
        List.of(),
        error,
        List.of(),
        List.of(),
        null);
  }

  @Override
  public Outcome outcome() {
    return STOPPED.equals(status) ? Outcome.STOPPED : Outcome.SUCCESS;
  }

  @Override
  public String summary() {
    return outcome() == Outcome.SUCCESS ? "backup " + backup + " into " + database : null;
  }

  /** A role created from the backup's globals, with its attributes (never its password hash). */
  public record CreatedRole(String name, List<String> attributes) {}
}
