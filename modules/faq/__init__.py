"""The FAQ module: categories of questions and answers, proposed by members."""
