package dev.fanout.common.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP link from a local port to a server, which a test can cut and restore: while it is cut,
 * connections are refused and the open ones are reset, as when a server cannot be reached over the
 * network; the server itself runs on and keeps what it holds.
 */
public final class CuttableLink implements AutoCloseable {
  private final int port;
  private final int target;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile ServerSocket listener;

  /** Listens on a free port of the loopback interface and forwards to {@code target}. */
  public static CuttableLink to(int target) throws IOException {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    return new CuttableLink(port, target);
  }

  /** Listens on {@code port} (of the loopback interface) and forwards to {@code target}. */
  public CuttableLink(int port, int target) throws IOException {
    this.port = port;
    this.target = target;
    restore();
  }

  public int port() {
    return port;
  }

  /** Refuses new connections and resets the open ones. */
  public synchronized void cut() throws IOException {
    if (listener != null) {
      listener.close();
      listener = null;
    }
    for (Socket socket : open) {
      reset(socket);
    }
  }

  /** Accepts connections again. */
  public synchronized void restore() throws IOException {
    if (listener != null) {
      return;
    }
    ServerSocket server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    listener = server;
    Thread.ofVirtual().name("link-accept-" + port).start(() -> accept(server));
  }

  private void accept(ServerSocket server) {
    while (!server.isClosed()) {
      Socket client;
      Socket upstream;
      try {
        client = server.accept();
      } catch (IOException e) {
        continue; // the listener was closed: cut
      }
      try {
        upstream = new Socket(InetAddress.getLoopbackAddress(), target);
      } catch (IOException e) {
        close(client); // the server refused: so does the link
        continue;
      }
      open.add(client);
      open.add(upstream);
      Thread.ofVirtual().start(() -> pump(client, upstream));
      Thread.ofVirtual().start(() -> pump(upstream, client));
    }
  }

  /** Copies one direction until either side closes, then closes both. */
  private void pump(Socket from, Socket to) {
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      byte[] buffer = new byte[16_384];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // Reset or closed: the other pump ends too.
    } finally {
      close(from);
      close(to);
    }
  }

  private void reset(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException e) {
      // Already closed.
    }
    close(socket);
  }

  private void close(Socket socket) {
    open.remove(socket);
    try {
      socket.close();
    } catch (IOException e) {
      // Already closed.
    }
  }

  @Override
  public void close() throws IOException {
    cut();
  }
}
