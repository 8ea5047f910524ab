package dev.lifeboat.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReadAheadTests {

  private static final int CHUNK = 1024;

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 10 * CHUNK + 3, 100 * CHUNK})
  void theReaderSeesExactlyTheSourcesBytes(int size) throws IOException {
    byte[] data = random(size);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = new ReadAhead(new ByteArrayInputStream(data), CHUNK, 3, "t")) {
      // odd-sized reads and single bytes, so chunk boundaries fall everywhere
      byte[] buf = new byte[333];
      int b = in.read();
      if (b >= 0) {
        out.write(b);
        for (int n; (n = in.read(buf, 0, buf.length)) > 0; ) {
          out.write(buf, 0, n);
        }
      }
      assertThat(in.read()).isEqualTo(-1);
    }
    assertThat(out.toByteArray()).isEqualTo(data);
  }

  /** A source that fails after {@code good} bytes, like a connection cut mid-download. */
  private static InputStream failingAfter(byte[] data, int good) {
    return new FilterInputStream(new ByteArrayInputStream(data)) {
      int read;

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (read >= good) {
          throw new IOException("connection reset");
        }
        int n = super.read(b, off, Math.min(len, good - read));
        read += Math.max(n, 0);
        return n;
      }
    };
  }

  @Test
  @org.junit.jupiter.api.Timeout(60) // a chunk never given back would stop the reading thread
  void aLongReadReusesItsChunks() throws IOException {
    byte[] data = new byte[500 * CHUNK + 3];
    new java.util.Random(7).nextBytes(data);
    ReadAhead in = new ReadAhead(new ByteArrayInputStream(data), CHUNK, 3, "t");
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    byte[] buffer = new byte[CHUNK / 3 + 1];
    for (int n; (n = in.read(buffer)) > 0; ) {
      out.write(buffer, 0, n);
    }
    in.close();

    assertThat(out.toByteArray()).isEqualTo(data);
    // three waiting, one being read, one being filled
    assertThat(in.chunksAllocated()).isLessThanOrEqualTo(3 + 2);
  }

  @Test
  void theSourcesFailureReachesTheReaderAfterTheBytesBeforeIt() throws IOException {
    byte[] data = random(5 * CHUNK);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = new ReadAhead(failingAfter(data, 2 * CHUNK + 7), CHUNK, 3, "t")) {
      assertThatThrownBy(() -> in.transferTo(out))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("connection reset");
    }
    // every byte before the failure arrived, in order; none after it
    assertThat(out.toByteArray()).isEqualTo(java.util.Arrays.copyOf(data, 2 * CHUNK));
  }

  @Test
  void anUncheckedFailureOfTheSourceIsRethrownAsItself() throws IOException {
    InputStream source =
        new InputStream() {
          @Override
          public int read() {
            throw new IllegalStateException("store went away");
          }
        };
    try (InputStream in = new ReadAhead(source, CHUNK, 3, "t")) {
      assertThatThrownBy(in::read)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("store went away");
    }
  }

  @Test
  void closingEarlyStopsTheThreadAndClosesTheSourceWithoutReadingItAll() throws Exception {
    AtomicBoolean closed = new AtomicBoolean();
    int[] served = {0};
    InputStream endless =
        new InputStream() {
          @Override
          public int read() {
            served[0]++;
            return 7;
          }

          @Override
          public void close() {
            closed.set(true);
          }
        };
    InputStream in = new ReadAhead(endless, CHUNK, 2, "t");
    assertThat(in.read()).isEqualTo(7);
    in.close();

    assertThat(closed).isTrue();
    // bounded: what is queued plus the chunk being read, never the endless rest
    assertThat(served[0]).isLessThanOrEqualTo(5 * CHUNK);
  }
}
