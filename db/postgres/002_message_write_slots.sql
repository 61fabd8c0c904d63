-- Message writes without a cluster-wide lock (docs/scaling.md, "Ids and sync
-- without a global lock"). Until now every message transaction of the schema
-- took one advisory lock and held it until COMMIT, so ids became visible in id
-- order. Now:
--   * a writing transaction holds one of 64 write slots (advisory locks keyed
--     by schema and slot number), claimed BEFORE it draws any message id and
--     released by its COMMIT or ROLLBACK; writers take free slots and never
--     wait for each other while fewer than 64 write at once;
--   * a sync reader first reads how far the id sequence has got, then waits
--     until every slot that was busy is released: every id up to that point
--     is then committed (visible) or rolled back (never will be), and the
--     reader returns only ids up to it.
-- A batch of messages is one statement (parlor_insert_messages): one round
-- trip, one transaction, one WAL flush.
-- Applied once by the runner, in one transaction; written to be harmless if
-- run again (CREATE OR REPLACE, DROP ... IF EXISTS).

-- The advisory lock space of this schema's write slots (the slot number is the second key).
CREATE OR REPLACE FUNCTION parlor_message_slot_space() RETURNS integer
  LANGUAGE sql STABLE
  AS $$ SELECT hashtext('parlor:message-slots:' || current_schema()) $$;

-- Claims a free write slot until the end of the transaction. Waits only when
-- all 64 are taken (then for a random one). Called before drawing ids.
CREATE OR REPLACE FUNCTION parlor_claim_message_slot() RETURNS integer
  LANGUAGE plpgsql VOLATILE
  AS $$
DECLARE
  lock_space integer := parlor_message_slot_space();
  start_slot integer := floor(random() * 64)::integer;
  slot integer;
BEGIN
  FOR i IN 0..63 LOOP
    slot := (start_slot + i) % 64;
    IF pg_try_advisory_xact_lock(lock_space, slot) THEN
      RETURN slot;
    END IF;
  END LOOP;
  PERFORM pg_advisory_xact_lock(lock_space, start_slot);
  RETURN start_slot;
END
$$;

-- The visibility horizon: an id H such that every message with id <= H is
-- committed (and visible to any statement that starts after this call
-- returned) or rolled back. The sequence's position is read first; every
-- transaction that drew an id up to it already held its slot then, so once
-- each slot has been free for a moment those transactions have all ended.
-- The reader holds each slot (shared) only for that moment, session-level so
-- it is not kept until its own transaction ends; on any error or cancel
-- (statement_timeout) every such lock of the session is dropped.
CREATE OR REPLACE FUNCTION parlor_message_horizon() RETURNS bigint
  LANGUAGE plpgsql VOLATILE
  AS $$
DECLARE
  lock_space integer := parlor_message_slot_space();
  drawn bigint;
BEGIN
  -- Sequences are not transactional: this counts ids drawn by transactions still in flight.
  SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO drawn FROM messages_id_seq;
  BEGIN
    FOR slot IN 0..63 LOOP
      PERFORM pg_advisory_lock_shared(lock_space, slot);
      PERFORM pg_advisory_unlock_shared(lock_space, slot);
    END LOOP;
  EXCEPTION WHEN OTHERS OR query_canceled THEN
    PERFORM pg_advisory_unlock_all();
    RAISE;
  END;
  RETURN drawn;
END
$$;

-- Stores a batch of messages in one statement. Item i is (senders[i],
-- recipients[i], groups[i], contents[i], client_ids[i]). Returns one row per
-- item, in item order:
--   * stored now: `id` and `created_at` (the caller has the rest);
--   * stored earlier under the same sender and client_id: `duplicate` and
--     every column of that row;
--   * with `isolate` only, failed alone on its own data: `failed_code`
--     (SQLSTATE), `failed_constraint`, `failed_message`, and nothing of it
--     is stored while the other items are.
-- Without `isolate` any error fails the whole statement and nothing of the
-- batch is stored; the caller sends the batch again with `isolate` when the
-- error was one item's data (a subtransaction per item, only then).
CREATE OR REPLACE FUNCTION parlor_insert_messages(senders bigint[], recipients bigint[], groups bigint[], contents text[], client_ids text[], isolate boolean DEFAULT false)
  RETURNS TABLE (item integer, duplicate boolean, failed_code text, failed_constraint text, failed_message text,
                 id bigint, sender_id bigint, recipient_id bigint, group_id bigint, content text,
                 created_at bigint, delivered_at bigint, read_at bigint)
  LANGUAGE plpgsql VOLATILE
  AS $$
#variable_conflict use_column
DECLARE
  n integer := coalesce(cardinality(senders), 0);
  ids bigint[];
  new_ids bigint[] := '{}';
  new_times bigint[] := '{}';
  codes text[] := array_fill(NULL::text, ARRAY[n]);
  constraints text[] := array_fill(NULL::text, ARRAY[n]);
  errors text[] := array_fill(NULL::text, ARRAY[n]);
  i integer;
  one_id bigint;
  one_time bigint;
  code text;
  constraint_name text;
  error text;
BEGIN
  IF cardinality(recipients) IS DISTINCT FROM n OR cardinality(groups) IS DISTINCT FROM n
     OR cardinality(contents) IS DISTINCT FROM n OR cardinality(client_ids) IS DISTINCT FROM n THEN
    RAISE EXCEPTION 'parlor_insert_messages: the five arrays must have the same length';
  END IF;
  IF n = 0 THEN
    RETURN;
  END IF;
  -- The slot first, then the ids (the horizon relies on that order), in item order.
  PERFORM parlor_claim_message_slot();
  ids := ARRAY(SELECT nextval('messages_id_seq') FROM generate_series(1, n));

  -- Rows are written in (sender, client_id) order, so two batches that meet on
  -- the same client_ids wait for each other in one direction only (no deadlock).
  IF NOT isolate THEN
    WITH stored AS (
      INSERT INTO messages (id, sender_id, recipient_id, group_id, content, client_id) OVERRIDING SYSTEM VALUE
      SELECT ids[k], senders[k], recipients[k], groups[k], contents[k], client_ids[k]
      FROM generate_series(1, n) k
      ORDER BY senders[k], client_ids[k], k
      ON CONFLICT (sender_id, client_id) WHERE client_id IS NOT NULL DO NOTHING
      RETURNING messages.id, messages.created_at
    )
    SELECT coalesce(array_agg(stored.id), '{}'), coalesce(array_agg(stored.created_at), '{}') INTO new_ids, new_times FROM stored;
  ELSE
    FOR i IN SELECT k FROM generate_series(1, n) k ORDER BY senders[k], client_ids[k], k LOOP
      BEGIN
        INSERT INTO messages (id, sender_id, recipient_id, group_id, content, client_id) OVERRIDING SYSTEM VALUE
        VALUES (ids[i], senders[i], recipients[i], groups[i], contents[i], client_ids[i])
        ON CONFLICT (sender_id, client_id) WHERE client_id IS NOT NULL DO NOTHING
        RETURNING messages.id, messages.created_at INTO one_id, one_time;
        IF one_id IS NOT NULL THEN
          new_ids := new_ids || one_id;
          new_times := new_times || one_time;
        END IF;
      EXCEPTION WHEN integrity_constraint_violation OR data_exception THEN
        GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, constraint_name = CONSTRAINT_NAME, error = MESSAGE_TEXT;
        codes[i] := code;
        constraints[i] := constraint_name;
        errors[i] := error;
      END;
    END LOOP;
  END IF;

  -- A new statement, so a new snapshot: it sees the committed rows an
  -- ON CONFLICT waited for (and rows of this batch, for a client_id twice in it).
  RETURN QUERY
  SELECT k, earlier.id IS NOT NULL, codes[k], constraints[k], errors[k],
         coalesce(stored.id, earlier.id), earlier.sender_id, earlier.recipient_id, earlier.group_id, earlier.content,
         coalesce(stored.created_at, earlier.created_at), earlier.delivered_at, earlier.read_at
  FROM generate_series(1, n) k
  LEFT JOIN unnest(new_ids, new_times) AS stored (id, created_at) ON stored.id = ids[k]
  LEFT JOIN LATERAL (
    SELECT * FROM messages x
    WHERE stored.id IS NULL AND codes[k] IS NULL AND client_ids[k] IS NOT NULL
      AND x.sender_id = senders[k] AND x.client_id = client_ids[k]
  ) earlier ON true
  ORDER BY k;
END
$$;

-- private_peers from one statement-level trigger instead of one per row: a
-- batch adds its pairs in one sorted INSERT, so two batches adding the same
-- new pairs take them in the same order (no deadlock), and a batch of
-- messages between the same two users writes each pair once.
DROP TRIGGER IF EXISTS messages_private_peers ON messages;

CREATE OR REPLACE FUNCTION parlor_private_peers() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  INSERT INTO private_peers (user_id, peer_id)
  SELECT DISTINCT p.user_id, p.peer_id
  FROM new_messages m
  CROSS JOIN LATERAL (VALUES (m.sender_id, m.recipient_id), (m.recipient_id, m.sender_id)) p (user_id, peer_id)
  WHERE m.recipient_id IS NOT NULL
  ORDER BY p.user_id, p.peer_id
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;

CREATE TRIGGER messages_private_peers AFTER INSERT ON messages
REFERENCING NEW TABLE AS new_messages
FOR EACH STATEMENT
EXECUTE FUNCTION parlor_private_peers();
