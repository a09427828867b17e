-- Reserve n calls for a mapping against its cap over a rolling 24 h, atomically (one round trip, serialized
-- per mapping). A minute bucket counts until a full minute after it is 24 h old, so the cap holds for every
-- exact 24 h window, never only on average. Returns ok=false and the time enough calls age out when refused.
CREATE FUNCTION ferry.reserve_api_calls(p_mapping text, p_calls integer, p_cap integer, p_now timestamptz)
RETURNS TABLE (ok boolean, used bigint, retry_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
  v_since timestamptz := p_now - interval '24 hours' - interval '1 minute';
  v_used bigint;
  v_free bigint := 0;
  b record;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('ferry.api_call_ledger'), hashtext(p_mapping));
  SELECT coalesce(sum(l.calls), 0) INTO v_used FROM ferry.api_call_ledger l WHERE l.mapping = p_mapping AND l.minute > v_since;
  IF p_cap IS NOT NULL AND v_used + p_calls > p_cap THEN
    FOR b IN SELECT l.minute, l.calls FROM ferry.api_call_ledger l
             WHERE l.mapping = p_mapping AND l.minute > v_since ORDER BY l.minute LOOP
      v_free := v_free + b.calls;
      IF v_used - v_free + p_calls <= p_cap THEN
        RETURN QUERY SELECT false, v_used, b.minute + interval '24 hours' + interval '1 minute';
        RETURN;
      END IF;
    END LOOP;
    -- More calls than the cap allows at all: refuse until the whole window has aged out.
    RETURN QUERY SELECT false, v_used, p_now + interval '24 hours' + interval '1 minute';
    RETURN;
  END IF;
  INSERT INTO ferry.api_call_ledger AS l (mapping, minute, calls)
  VALUES (p_mapping, date_trunc('minute', p_now), p_calls)
  ON CONFLICT (mapping, minute) DO UPDATE SET calls = l.calls + EXCLUDED.calls;
  DELETE FROM ferry.api_call_ledger l WHERE l.mapping = p_mapping AND l.minute <= v_since - interval '1 day';
  RETURN QUERY SELECT true, v_used + p_calls, NULL::timestamptz;
END $$;
