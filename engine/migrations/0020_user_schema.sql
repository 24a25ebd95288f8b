-- A SCIM app's user attributes as Import User Schema read them from the
-- app (a JSON array of attribute paths), for its attribute mappings.
ALTER TABLE app_connections ADD COLUMN user_schema TEXT;
