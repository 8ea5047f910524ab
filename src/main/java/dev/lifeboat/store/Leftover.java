package dev.lifeboat.store;

import java.time.Instant;

/**
 * What a write that never finished left in a store: an S3 multipart upload never completed or
 * aborted, a filesystem store's hidden {@code .partial} file. A store cannot tell a write still
 * running from an abandoned one: the caller decides by {@link #since}.
 *
 * @param key relative like every key: the object the upload was for (S3), the hidden temporary file
 *     itself (filesystem); both under the folder of the backup being written
 * @param upload the S3 upload id, or null
 * @param since when the write began (S3) or was last written to (filesystem)
 */
public record Leftover(Kind kind, String key, String upload, Instant since) {

  /** The kinds of leftover, each with its word in the prune report. */
  public enum Kind {
    MULTIPART_UPLOAD("multipart-upload"),
    PARTIAL_FILE("partial-file");

    private final String word;

    Kind(String word) {
      this.word = word;
    }

    public String word() {
      return word;
    }
  }

  /** The key, and the upload id where there is one: how a report names it. */
  public String describe() {
    return upload == null ? key : key + " (upload " + upload + ")";
  }
}
