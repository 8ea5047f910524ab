package dev.lifeboat.archive;

import dev.lifeboat.base.LifeboatException;
import java.util.List;

/**
 * A backup's archive could not be fetched, read or checked, or its roles made (exit 1): what the
 * shared rooms of restore, drill, verify and migrate throw. The message says why and that nothing
 * was touched; {@link #attempts} lists each store tried, when a fetch gave up.
 */
public class ArchiveException extends LifeboatException {

  private final transient List<ArchiveFetcher.Attempt> attempts;

  public ArchiveException(String message) {
    this(message, (Throwable) null);
  }

  public ArchiveException(String message, Throwable cause) {
    super(message, cause);
    this.attempts = List.of();
  }

  public ArchiveException(String message, List<ArchiveFetcher.Attempt> attempts) {
    super(message, null);
    this.attempts = List.copyOf(attempts);
  }

  /** Whether the spool could not take the archive (too small, not writable, disk full). */
  public boolean spool() {
    return false;
  }

  public List<ArchiveFetcher.Attempt> attempts() {
    return attempts;
  }

  @Override
  public int exitCode() {
    return FAILED;
  }
}
