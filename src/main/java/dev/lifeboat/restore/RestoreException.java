package dev.lifeboat.restore;

import dev.lifeboat.base.LifeboatException;
import java.util.List;

/** A restore or drill could not go on; the message says why and that the target is untouched. */
public class RestoreException extends LifeboatException {

  private final transient List<ArchiveFetcher.Attempt> attempts;

  public RestoreException(String message) {
    this(message, (Throwable) null);
  }

  public RestoreException(String message, Throwable cause) {
    super(message, cause);
    this.attempts = List.of();
  }

  public RestoreException(String message, List<ArchiveFetcher.Attempt> attempts) {
    super(message, null);
    this.attempts = List.copyOf(attempts);
  }

  public List<ArchiveFetcher.Attempt> attempts() {
    return attempts;
  }

  @Override
  public int exitCode() {
    return FAILED;
  }
}
