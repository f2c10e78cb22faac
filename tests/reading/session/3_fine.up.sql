SELECT E'a\\b', 'plain';
