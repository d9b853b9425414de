package dev.fanout.operator.console;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /api/v1/watch}: each Job change as a Server-Sent Event to every client that may list
 * Jobs in its namespace. The informer only drops the change into each client's own bounded queue,
 * where a newer change of the same Job replaces the older; each client is written by its own
 * thread, so a slow or stalled client delays nobody but itself.
 */
final class JobWatch implements AutoCloseable {
  static final int MAX_CLIENTS = 256;

  /** Distinct Jobs a client may fall behind by before it is told to read the list again. */
  static final int QUEUE = 1_000;

  static final Duration HEARTBEAT = Duration.ofSeconds(15);

  private final Set<Client> clients = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /** One change as written: the event's name and its JSON data. */
  record Event(String namespace, String name, String data) {}

  /** Hands a change to every client; never blocks. */
  void publish(String key, Event event) {
    for (Client client : clients) {
      client.offer(key, event);
    }
  }

  int clients() {
    return clients.size();
  }

  /**
   * Streams to the client until it goes away or the console stops.
   *
   * @param snapshot every Job as an event, sent first so the page starts complete
   * @param visible whether the client may see Jobs of a namespace (cached answers)
   */
  void serve(
      HttpExchange exchange,
      Map<String, Event> snapshot,
      java.util.function.Predicate<String> visible,
      Duration heartbeat)
      throws IOException {
    if (clients.size() >= MAX_CLIENTS) {
      throw new ApiError(503, "too many console watches open; try again later");
    }
    Client client = new Client();
    clients.add(client);
    try {
      snapshot.forEach(client::offer);
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      // nginx buffers responses unless told not to; a buffered stream never arrives.
      exchange.getResponseHeaders().set("X-Accel-Buffering", "no");
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      write(out, ": watching Fanout Jobs\n\n");
      while (!closed) {
        Batch batch = client.take(heartbeat.toMillis());
        if (closed) {
          break;
        }
        if (batch.events().isEmpty() && !batch.overflowed()) {
          write(out, ": heartbeat\n\n");
          continue;
        }
        StringBuilder text = new StringBuilder();
        if (batch.overflowed()) {
          text.append("event: resync\ndata: {}\n\n");
        }
        for (Event e : batch.events()) {
          if (visible.test(e.namespace())) {
            text.append("event: ")
                .append(e.name())
                .append("\ndata: ")
                .append(e.data())
                .append("\n\n");
          }
        }
        if (!text.isEmpty()) {
          write(out, text.toString());
        }
      }
    } catch (IOException e) {
      // The client went away.
    } finally {
      clients.remove(client);
      exchange.close();
    }
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  @Override
  public void close() {
    closed = true;
    clients.forEach(Client::wake);
  }

  record Batch(List<Event> events, boolean overflowed) {}

  /** A client's pending changes, the newest per Job, at most {@link #QUEUE}. */
  static final class Client {
    private final LinkedHashMap<String, Event> pending = new LinkedHashMap<>();
    private boolean overflowed;

    synchronized void offer(String key, Event event) {
      pending.remove(key);
      pending.put(key, event);
      if (pending.size() > QUEUE) {
        Iterator<String> eldest = pending.keySet().iterator();
        eldest.next();
        eldest.remove();
        overflowed = true;
      }
      notifyAll();
    }

    synchronized void wake() {
      notifyAll();
    }

    synchronized Batch take(long timeoutMillis) {
      if (pending.isEmpty() && !overflowed) {
        try {
          wait(timeoutMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      Batch batch = new Batch(new ArrayList<>(pending.values()), overflowed);
      pending.clear();
      overflowed = false;
      return batch;
    }
  }
}
