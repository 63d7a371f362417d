"""Given names common where German is spoken: "die Anna ruft dich an", "der Thomas meldet sich bei dir".

In southern Germany, Austria and Switzerland people put the article before a first name. The article also
makes a noun of what follows ("der Kurier ruft dich an", "die Administration meldet sich"), and German writes
nouns capitalised like names, so only a name known to be one is read as a person after it
(heads_up_words.not_a_person). A name missing here is missed after an article, never misread: add it.
"""

GIVEN_NAMES = frozenset("""
Adam Adrian Alexander Alexandra Alfred Alina Alois Amelie Andrea Andreas Angelika Anja Anke Anna Annalena Anne
Annette Anton Antonia Armin Arne Astrid Axel Barbara Bastian Beate Ben Benedikt Benjamin Bernd Bernhard Bettina
Birgit Björn Brigitte Bruno Carina Carla Carolin Caroline Carsten Charlotte Christa Christian Christiane
Christina Christine Christoph Clara Claudia Clemens Cornelia Dagmar Daniel Daniela David Denise Dennis Diana
Dieter Dietmar Dirk Dominik Doris Dorothea Edith Elena Elias Elisabeth Elke Ella Emil Emilia Emma Eva Fabian
Felix Finn Florian Franz Franziska Frank Frederik Friederike Fritz Gabriele Georg Gerald Gerhard Gertrud
Gisela Gregor Gudrun Günter Günther Hanna Hannah Hannes Hans Harald Heidi Heike Heinrich Heinz Helga Helmut
Hendrik Herbert Hermann Hildegard Holger Horst Hubert Ida Ilse Ines Ingo Ingrid Irene Iris Isabel Isabella
Jakob Jan Jana Janina Jannik Jens Jessica Joachim Johann Johanna Johannes Jonas Jonathan Josef Julia Julian
Juliane Jürgen Jutta Kai Karin Karl Karla Karolina Katharina Kathrin Katja Katrin Kerstin Kevin Klaus Konrad
Kristina Lara Lars Laura Lea Lena Leni Leo Leon Leonie Lina Lisa Lorenz Lotte Luca Lucas Luis Luisa Lukas
Lydia Magdalena Maik Manfred Manuel Manuela Marc Marcel Marco Marcus Mareike Margarete Maria Marie Marina
Mario Marion Markus Marlene Martha Martin Martina Mathias Matthias Max Maximilian Melanie Mia Michael Michaela
Mila Miriam Monika Moritz Nadine Natalie Nicole Niklas Nico Nina Noah Nora Norbert Olaf Olga Oliver Oskar
Otto Patrick Paul Paula Peter Petra Philipp Pia Rainer Ralf Ralph Regina Reinhard Renate Rene René Richard
Robert Roland Rolf Rosa Rosemarie Ruth Sabine Sabrina Sandra Sara Sarah Sascha Sebastian Silke Silvia Simon
Simone Sofia Sophia Sophie Stefan Stefanie Steffen Stephan Susanne Sven Svenja Sybille Tanja Theo Theresa
Thomas Thorsten Tim Tina Tobias Tom Torsten Ulla Ulrich Ulrike Ursula Ute Uwe Valentin Vanessa Vera Verena
Viktor Viktoria Vincent Walter Werner Wilhelm Wolfgang Yvonne Zoe
Beat Reto Urs Ueli Andrin Gian Nadja Corinne Seppi Sepp Resi Vroni Franzi Steffi Bärbel Wastl Hias Xaver Vinzenz
Korbinian Quirin Kilian Leonhard Leopold Severin Ludwig Ferdinand Benno Vitus Wendelin Rupert Engelbert Kaspar
Balthasar Ignaz Anderl Schorsch Theresia Walburga Kreszenz Zenzi Burgi Loisl Ferdl Gustl
""".split())
