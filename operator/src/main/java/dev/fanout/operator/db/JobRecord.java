package dev.fanout.operator.db;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * A Job the operator has fanned out. Written in the same transaction as its task rows, so a record
 * means every row exists.
 */
@Entity
@Table(name = "fanout_job")
public class JobRecord {
  @Id
  @Column(name = "uid")
  private String uid;

  @Column(name = "namespace")
  private String namespace;

  @Column(name = "name")
  private String name;

  @Column(name = "pool")
  private String pool;

  @Column(name = "total")
  private int total;

  /** Hash of the immutable spec fields as first seen. */
  @Column(name = "spec_hash")
  private String specHash;

  @Column(name = "created_at")
  private Instant createdAt;

  @Column(name = "finished_at")
  private Instant finishedAt;

  @Column(name = "phase")
  private String phase;

  @Column(name = "deleted_at")
  private Instant deletedAt;

  protected JobRecord() {}

  public JobRecord(
      String uid, String namespace, String name, String pool, int total, String specHash) {
    this.uid = uid;
    this.namespace = namespace;
    this.name = name;
    this.pool = pool;
    this.total = total;
    this.specHash = specHash;
    this.createdAt = Instant.now();
  }

  public String getUid() {
    return uid;
  }

  public String getNamespace() {
    return namespace;
  }

  public String getName() {
    return name;
  }

  public String getPool() {
    return pool;
  }

  public int getTotal() {
    return total;
  }

  public String getSpecHash() {
    return specHash;
  }

  public Instant getCreatedAt() {
    return createdAt;
  }

  public Instant getFinishedAt() {
    return finishedAt;
  }

  public String getPhase() {
    return phase;
  }

  public Instant getDeletedAt() {
    return deletedAt;
  }
}
