-- Sharing (共享): the working-day calendar that share-request deadlines are counted on
-- (docs/SHARING.md "Working days"; src/modules/sharing/calendar.ts).
--
-- Only the special days are stored: public holidays that fall on a weekday (kind 'holiday') and
-- the weekend days worked instead (调休上班, kind 'workday'). Every other Saturday and Sunday is a
-- rest day and every other weekday a working day, so a year without entries is plain weekends.
-- Days are calendar dates in China Standard Time (Asia/Shanghai). A sysadmin replaces a year's
-- days through PUT /api/calendar/:year (permission calendar.manage, audited as calendar.update).

CREATE TABLE datong.calendar_days (
  day  date PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('holiday', 'workday')),
  -- The holiday's name as the State Council's notice gives it (春节, 国庆节, …); for a workday,
  -- the holiday it makes up for.
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
  -- A holiday on a weekend changes nothing, and so does a workday on a weekday (ISO 6, 7 = Sat, Sun).
  CHECK ((kind = 'holiday') = (extract(isodow FROM day) < 6))
);

COMMENT ON TABLE datong.calendar_days IS 'Working-day calendar: public holidays on weekdays and adjusted working weekend days (调休); every other weekend day is a rest day';
COMMENT ON COLUMN datong.calendar_days.day IS 'The calendar date (Asia/Shanghai)';
COMMENT ON COLUMN datong.calendar_days.kind IS 'holiday: a weekday off; workday: a Saturday or Sunday worked (调休上班)';
COMMENT ON COLUMN datong.calendar_days.name IS 'The holiday''s Chinese name (for a workday: the holiday it belongs to)';

-- 2025: 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号，2024-11-12）.
-- From 2025 春节 and 劳动节 have one more statutory day each.
--   元旦 1月1日（周三）放假1天，不调休
--   春节 1月28日（除夕、周二）至2月4日（周二）8天；1月26日（周日）、2月8日（周六）上班
--   清明节 4月4日（周五）至6日（周日）3天
--   劳动节 5月1日（周四）至5日（周一）5天；4月27日（周日）上班
--   端午节 5月31日（周六）至6月2日（周一）3天
--   国庆节、中秋节 10月1日（周三）至8日（周三）8天；9月28日（周日）、10月11日（周六）上班
-- 2026: 国务院办公厅关于2026年部分节假日安排的通知（2025-11-04）.
--   元旦 1月1日（周四）至3日（周六）3天；1月4日（周日）上班
--   春节 2月15日（腊月二十八、周日）至23日（正月初七、周一）9天；2月14日（周六）、2月28日（周六）上班
--   清明节 4月4日（周六）至6日（周一）3天
--   劳动节 5月1日（周五）至5日（周二）5天；5月9日（周六）上班
--   端午节 6月19日（周五）至21日（周日）3天
--   中秋节 9月25日（周五）至27日（周日）3天
--   国庆节 10月1日（周四）至7日（周三）7天；9月20日（周日）、10月10日（周六）上班
-- Holiday days that fall on a weekend are not listed: they are rest days anyway.
INSERT INTO datong.calendar_days (day, kind, name) VALUES
  -- 2025
  ('2025-01-01', 'holiday', '元旦'),            -- 周三
  ('2025-01-26', 'workday', '春节'),            -- 周日
  ('2025-01-28', 'holiday', '春节'),            -- 周二（除夕）
  ('2025-01-29', 'holiday', '春节'),            -- 周三
  ('2025-01-30', 'holiday', '春节'),            -- 周四
  ('2025-01-31', 'holiday', '春节'),            -- 周五
  ('2025-02-03', 'holiday', '春节'),            -- 周一
  ('2025-02-04', 'holiday', '春节'),            -- 周二
  ('2025-02-08', 'workday', '春节'),            -- 周六
  ('2025-04-04', 'holiday', '清明节'),          -- 周五
  ('2025-04-27', 'workday', '劳动节'),          -- 周日
  ('2025-05-01', 'holiday', '劳动节'),          -- 周四
  ('2025-05-02', 'holiday', '劳动节'),          -- 周五
  ('2025-05-05', 'holiday', '劳动节'),          -- 周一
  ('2025-06-02', 'holiday', '端午节'),          -- 周一
  ('2025-09-28', 'workday', '国庆节、中秋节'),  -- 周日
  ('2025-10-01', 'holiday', '国庆节、中秋节'),  -- 周三
  ('2025-10-02', 'holiday', '国庆节、中秋节'),  -- 周四
  ('2025-10-03', 'holiday', '国庆节、中秋节'),  -- 周五
  ('2025-10-06', 'holiday', '国庆节、中秋节'),  -- 周一（中秋）
  ('2025-10-07', 'holiday', '国庆节、中秋节'),  -- 周二
  ('2025-10-08', 'holiday', '国庆节、中秋节'),  -- 周三
  ('2025-10-11', 'workday', '国庆节、中秋节'),  -- 周六
  -- 2026
  ('2026-01-01', 'holiday', '元旦'),            -- 周四
  ('2026-01-02', 'holiday', '元旦'),            -- 周五
  ('2026-01-04', 'workday', '元旦'),            -- 周日
  ('2026-02-14', 'workday', '春节'),            -- 周六
  ('2026-02-16', 'holiday', '春节'),            -- 周一（除夕）
  ('2026-02-17', 'holiday', '春节'),            -- 周二
  ('2026-02-18', 'holiday', '春节'),            -- 周三
  ('2026-02-19', 'holiday', '春节'),            -- 周四
  ('2026-02-20', 'holiday', '春节'),            -- 周五
  ('2026-02-23', 'holiday', '春节'),            -- 周一
  ('2026-02-28', 'workday', '春节'),            -- 周六
  ('2026-04-06', 'holiday', '清明节'),          -- 周一
  ('2026-05-01', 'holiday', '劳动节'),          -- 周五
  ('2026-05-04', 'holiday', '劳动节'),          -- 周一
  ('2026-05-05', 'holiday', '劳动节'),          -- 周二
  ('2026-05-09', 'workday', '劳动节'),          -- 周六
  ('2026-06-19', 'holiday', '端午节'),          -- 周五
  ('2026-09-20', 'workday', '国庆节'),          -- 周日
  ('2026-09-25', 'holiday', '中秋节'),          -- 周五
  ('2026-10-01', 'holiday', '国庆节'),          -- 周四
  ('2026-10-02', 'holiday', '国庆节'),          -- 周五
  ('2026-10-05', 'holiday', '国庆节'),          -- 周一
  ('2026-10-06', 'holiday', '国庆节'),          -- 周二
  ('2026-10-07', 'holiday', '国庆节'),          -- 周三
  ('2026-10-10', 'workday', '国庆节');          -- 周六
