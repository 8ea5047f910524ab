package dev.lifeboat.restore;

import dev.lifeboat.archive.ArchiveFetcher;
import dev.lifeboat.archive.RowCounts;
import java.util.List;

/** What {@code restore --json} prints: the backup, where it came from, and the row-count check. */
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
    String signature) {

  /** A role created from the backup's globals, with its attributes (never its password hash). */
  public record CreatedRole(String name, List<String> attributes) {}

  /** One table: rows the manifest recorded and rows found after the restore. */
}
