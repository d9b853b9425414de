-- One row per Job the operator has fanned out, and one per task. The same SQL runs on H2 and
-- PostgreSQL. Rows outlive their Job: deleted_at marks when the Job went away.
create table fanout_job (
  uid           varchar(64)  not null primary key,
  namespace     varchar(253) not null,
  name          varchar(253) not null,
  pool          varchar(64)  not null,
  total         integer      not null,
  spec_hash     varchar(64)  not null,
  created_at    timestamp    not null,
  finished_at   timestamp,
  phase         varchar(16),
  deleted_at    timestamp
);

create index fanout_job_name on fanout_job (namespace, name);

create table fanout_task (
  job_uid       varchar(64)   not null,
  task_index    integer       not null,
  params        text,
  state         varchar(16)   not null,
  attempts      integer       not null default 0,
  sent_at       timestamp,
  started_at    timestamp,
  finished_at   timestamp,
  duration_ms   bigint,
  last_error    varchar(1024),
  result        varchar(1024),
  primary key (job_uid, task_index)
);

create index fanout_task_state on fanout_task (job_uid, state, task_index);
