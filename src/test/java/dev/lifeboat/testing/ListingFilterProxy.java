package dev.lifeboat.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP/1.1 proxy on 127.0.0.1 in front of a real S3 server (s3proxy) that passes every request
 * and response through unchanged, except that it drops from object listings ({@code GET
 * /bucket?list-type=2...}) the entries whose key matches a predicate: a gateway that ends a listing
 * too soon, seen from the client. Requests are relayed byte for byte, so signatures stay valid.
 */
public final class ListingFilterProxy implements AutoCloseable {

  private static final Pattern CONTENTS =
      Pattern.compile("<Contents>.*?<Key>([^<]*)</Key>.*?</Contents>", Pattern.DOTALL);

  private final ServerSocket server;
  private final ExecutorService pool = Executors.newCachedThreadPool(ListingFilterProxy::daemon);
  private final URI upstream;
  private final Predicate<String> hidden;
  private final AtomicInteger dropped = new AtomicInteger();

  public ListingFilterProxy(URI upstream, Predicate<String> hidden) throws IOException {
    this.upstream = upstream;
    this.hidden = hidden;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    pool.execute(this::accept);
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /** How many listing entries were left out so far. */
  public int dropped() {
    return dropped.get();
  }

  private record Request(String method, boolean listing) {}

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket target = new Socket();
        target.connect(new InetSocketAddress(upstream.getHost(), upstream.getPort()), 5000);
        BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
        pool.execute(() -> requests(client, target, requests));
        pool.execute(() -> responses(target, client, requests));
      } catch (IOException e) {
        return;
      }
    }
  }

  /** Client to server: relayed as it comes; each request's method and kind noted for its answer. */
  private void requests(Socket client, Socket target, BlockingQueue<Request> requests) {
    try (InputStream in = new BufferedInputStream(client.getInputStream());
        OutputStream out = target.getOutputStream()) {
      while (true) {
        byte[] head = readHead(in);
        if (head == null) {
          return;
        }
        String text = new String(head, StandardCharsets.ISO_8859_1);
        String[] line = text.substring(0, text.indexOf("\r\n")).split(" ");
        String method = line[0];
        String path = line.length > 1 ? line[1] : "";
        requests.add(new Request(method, method.equals("GET") && path.contains("list-type=2")));
        out.write(head);
        out.flush();
        relayBody(in, out, text, false);
      }
    } catch (IOException e) {
      // connection closed
    } finally {
      closeQuietly(client);
      closeQuietly(target);
    }
  }

  /** Server to client: listings filtered, everything else relayed. */
  private void responses(Socket target, Socket client, BlockingQueue<Request> requests) {
    try (InputStream in = new BufferedInputStream(target.getInputStream());
        OutputStream out = client.getOutputStream()) {
      while (true) {
        byte[] head = readHead(in);
        if (head == null) {
          return;
        }
        String text = new String(head, StandardCharsets.ISO_8859_1);
        int status = Integer.parseInt(text.split(" ")[1]);
        if (status >= 100 && status < 200) {
          out.write(head); // 100 Continue: the final answer follows
          out.flush();
          continue;
        }
        Request request = requests.take();
        if (request.method().equals("HEAD") || status == 204 || status == 304) {
          out.write(head);
          out.flush();
          continue;
        }
        if (!request.listing() || status != 200) {
          out.write(head);
          out.flush();
          relayBody(in, out, text, true);
          continue;
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        readBody(in, body, text);
        byte[] filtered = filter(body.toString(StandardCharsets.UTF_8));
        StringBuilder headers = new StringBuilder();
        for (String h : text.split("\r\n")) {
          String lower = h.toLowerCase(Locale.ROOT);
          if (h.isEmpty()
              || lower.startsWith("content-length:")
              || lower.startsWith("transfer-encoding:")) {
            continue;
          }
          headers.append(h).append("\r\n");
        }
        headers.append("Content-Length: ").append(filtered.length).append("\r\n\r\n");
        out.write(headers.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(filtered);
        out.flush();
      }
    } catch (IOException e) {
      // connection closed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeQuietly(client);
      closeQuietly(target);
    }
  }

  private byte[] filter(String xml) {
    Matcher m = CONTENTS.matcher(xml);
    StringBuilder out = new StringBuilder();
    int last = 0;
    while (m.find()) {
      if (hidden.test(m.group(1))) {
        out.append(xml, last, m.start());
        last = m.end();
        dropped.incrementAndGet();
      }
    }
    out.append(xml.substring(last));
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Reads up to and including the blank line; null at end of stream before any byte. */
  private static byte[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        if (head.size() == 0) {
          return null;
        }
        throw new IOException("connection closed inside a header");
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toByteArray();
  }

  /** Relays one message body framed by Content-Length or chunked encoding (or to end of stream). */
  private static void relayBody(InputStream in, OutputStream out, String head, boolean response)
      throws IOException {
    long length = -1;
    boolean chunked = false;
    for (String h : head.split("\r\n")) {
      String lower = h.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Long.parseLong(h.substring(h.indexOf(':') + 1).trim());
      } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
        chunked = true;
      }
    }
    if (chunked) {
      while (true) {
        String sizeLine = readLine(in);
        out.write((sizeLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
        if (size == 0) {
          // trailers, then the blank line
          for (String t = readLine(in); ; t = readLine(in)) {
            out.write((t + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            if (t.isEmpty()) {
              break;
            }
          }
          out.flush();
          return;
        }
        copy(in, out, size + 2L); // the chunk and its CRLF
      }
    }
    if (length >= 0) {
      copy(in, out, length);
    } else if (response) {
      in.transferTo(out); // no framing: the body ends with the connection
    }
    out.flush();
  }

  /** Reads one response body into {@code out}, without its chunked framing. */
  private static void readBody(InputStream in, ByteArrayOutputStream out, String head)
      throws IOException {
    if (!head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
      relayBody(in, out, head, true);
      return;
    }
    while (true) {
      int size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16);
      if (size == 0) {
        while (!readLine(in).isEmpty()) {
          // trailers
        }
        return;
      }
      copy(in, out, size);
      readLine(in); // the chunk's CRLF
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("connection closed inside a chunk header");
      }
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }

  private static void copy(InputStream in, OutputStream out, long n) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    long left = n;
    while (left > 0) {
      int read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (read < 0) {
        throw new IOException("connection closed inside a body");
      }
      out.write(buffer, 0, read);
      left -= read;
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "listing-filter-proxy");
    t.setDaemon(true);
    return t;
  }

  @Override
  public void close() throws IOException {
    server.close();
    pool.shutdownNow();
  }

  /** Keys hidden by a list of suffixes, for tests that hide one backup's manifest. */
  public static Predicate<String> keysEndingWith(String... suffixes) {
    List<String> all = new ArrayList<>(List.of(suffixes));
    return key -> all.stream().anyMatch(key::endsWith);
  }
}
