-- A catalog entry without fields (typically an api-kind entry reached through the gateway) is
-- requested and granted as a whole: its requests and grants name no fields. An entry with
-- fields still needs at least one (checked by src/modules/sharing/requests.ts).

ALTER TABLE datong.share_requests DROP CONSTRAINT share_requests_fields_check;
ALTER TABLE datong.share_requests ADD CONSTRAINT share_requests_fields_check
  CHECK (cardinality(fields) BETWEEN 0 AND 1000);
ALTER TABLE datong.grants DROP CONSTRAINT grants_fields_check;
ALTER TABLE datong.grants ADD CONSTRAINT grants_fields_check
  CHECK (cardinality(fields) BETWEEN 0 AND 1000);
