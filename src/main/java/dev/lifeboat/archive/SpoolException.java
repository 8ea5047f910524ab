package dev.lifeboat.archive;

/** The spool directory cannot take the archive (too small, not writable, disk full). */
public class SpoolException extends ArchiveException {

  public SpoolException(String message) {
    super(message);
  }

  public SpoolException(String message, Throwable cause) {
    super(message, cause);
  }
}
