package dev.lifeboat.backup;

/** A backup could not be taken; the message says why in one sentence. */
public class BackupException extends RuntimeException {

  public BackupException(String message) {
    super(message);
  }

  public BackupException(String message, Throwable cause) {
    super(message, cause);
  }
}
