-- Issue 17 items 1 and 4: a category is either to avoid (fewer tagged calls is better: "customer mentioned
-- cancelling") or to encourage (more is better: "agent offered a callback"). The agent comparison ranks and coaches on
-- a category's share of calls the way its polarity says. Every category from before this is to avoid, as it was read.
ALTER TABLE categories ADD COLUMN polarity VARCHAR(16) NOT NULL DEFAULT 'avoid' CHECK (polarity IN ('avoid', 'encourage'));
