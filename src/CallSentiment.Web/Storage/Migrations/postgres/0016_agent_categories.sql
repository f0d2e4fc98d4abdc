-- Issue 17 item 4: the agent comparison ranks employees on a chosen category's share of their calls. It counts the
-- category's tags per employee and week straight from call_categories (time and employee are copied there), so a
-- re-tagging or a deleted call changes the figure with no rollup to keep: this index makes the count of a period (a
-- year of 500 employees: some 10,000-100,000 tags per category) one range scan that never visits the rows.
CREATE INDEX ix_call_categories_time_agent ON call_categories (category_id, started_at, agent_id);
