-- How each answer of an audit was given (issue 14): 'checked' one by one, or 'bulk' when the merchandiser
-- confirmed a whole section as found last time (allowed only with a shelf photo in that audit). Audits
-- stored before this keep NULL: how they were answered is not known.
ALTER TABLE audit_lines ADD COLUMN shelf_answered VARCHAR;
ALTER TABLE audit_lines ADD COLUMN price_answered VARCHAR;
ALTER TABLE audit_pop ADD COLUMN answered VARCHAR;
