package dev.lifeboat.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP proxy on 127.0.0.1 in front of a real server (s3proxy) that forwards requests at a bounded
 * rate: an upload through it takes long enough to be interrupted mid-way, deterministically.
 */
public final class ThrottledProxy implements AutoCloseable {

  private final ServerSocket server;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> daemon(r));
  private final URI upstream;
  // volatile: unthrottle() lifts the bound for connections already open too
  private volatile int bytesPerSecond;

  public ThrottledProxy(URI upstream, int bytesPerSecond) throws IOException {
    this.upstream = upstream;
    this.bytesPerSecond = bytesPerSecond;
    this.server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    pool.execute(this::accept);
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket target = new Socket();
        target.connect(new InetSocketAddress(upstream.getHost(), upstream.getPort()), 5000);
        pool.execute(() -> pump(client, target, true, sent));
        pool.execute(() -> pump(target, client, false, null));
      } catch (IOException e) {
        return;
      }
    }
  }

  private final java.util.Queue<String> sent = new java.util.concurrent.ConcurrentLinkedQueue<>();

  /**
   * Request header lines sent through the proxy whose name is {@code header} (case-insensitive), as
   * they went over the wire: what a server was really told.
   */
  public java.util.List<String> sentHeaders(String header) {
    String prefix = header.toLowerCase(java.util.Locale.ROOT) + ":";
    return sent.stream()
        .filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith(prefix))
        .toList();
  }

  /**
   * Forwards at full speed from now on: a test that has seen what the slow upload was for (an
   * interrupted backup) need not wait for the next one at the throttled rate.
   */
  public void unthrottle() {
    bytesPerSecond = Integer.MAX_VALUE;
  }

  private void pump(Socket from, Socket to, boolean throttled, java.util.Queue<String> sent) {
    byte[] buffer =
        new byte[throttled ? Math.min(64 * 1024, Math.max(1024, bytesPerSecond / 10)) : 64 * 1024];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        if (sent != null) {
          // header lines only: bodies are binary and large
          for (String line :
              new String(buffer, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1)
                  .split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("x-amz-")) {
              sent.add(line);
            }
          }
        }
        out.write(buffer, 0, n);
        out.flush();
        int rate = bytesPerSecond;
        if (throttled && rate != Integer.MAX_VALUE) {
          Thread.sleep(Math.max(1, n * 1000L / rate));
        }
      }
    } catch (IOException | InterruptedException e) {
      // the other side closed
    } finally {
      close(from);
      close(to);
    }
  }

  private static void close(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "throttled-proxy");
    t.setDaemon(true);
    return t;
  }

  @Override
  public void close() throws IOException {
    server.close();
    pool.shutdownNow();
  }
}
