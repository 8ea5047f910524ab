package dev.lifeboat.wal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * How much of a {@code .partial} segment pg_receivewal has written. It creates the file at the full
 * segment size, zero-filled, so the file's size never grows; what grows is the run of WAL pages at
 * its start. Every page begins with a header whose first two bytes are the server's page magic (the
 * same on every page of one server), and pages are written in order: the written pages are a
 * prefix, found by a binary search. The last of them may be written only in part; recovery stops at
 * the last whole record, so uploading it whole is harmless.
 */
final class PartialLength {

  /** PostgreSQL's WAL page size ({@code XLOG_BLCKSZ}, fixed at build time: 8 KiB everywhere). */
  static final int PAGE = 8192;

  private PartialLength() {}

  /** The bytes of {@code file} up to the end of its last written WAL page; 0 when none is. */
  static long of(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      return of(channel);
    }
  }

  static long of(FileChannel channel) throws IOException {
    long pages = channel.size() / PAGE;
    if (pages == 0) {
      return 0;
    }
    byte[] magic = header(channel, 0);
    if (magic[0] == 0 && magic[1] == 0) {
      return 0;
    }
    // pages [0, written) are written, [unwritten, pages) are not
    long written = 1;
    long unwritten = pages;
    while (written < unwritten) {
      long mid = (written + unwritten) >>> 1;
      if (Arrays.equals(header(channel, mid), magic)) {
        written = mid + 1;
      } else {
        unwritten = mid;
      }
    }
    return written * PAGE;
  }

  private static byte[] header(FileChannel channel, long page) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(2);
    long at = page * PAGE;
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, at + buffer.position()) < 0) {
        throw new EOFException("WAL page " + page + " ends before its header");
      }
    }
    return buffer.array();
  }
}
